# 選挙への立候補、モデレーターの通報メモ、/admin の許可ドメインと招待。
# ここのキーはすべて locales/en/govadmin.ftl にもあること（tests/i18n.rs が両方向を確認）。

## 立候補 (/proposals/ID)
candidacy-heading = 候補者
candidacy-window = 最初の投票が行われるまで、アクティブなメンバーは誰でも立候補・辞退できます。
candidacy-stand = 選挙に立候補する
candidacy-withdraw = 立候補を取り下げる

## 通報メモ (/moderation/reports/ID)
notes-heading = モデレーターのメモ
notes-private = このメモはモデレーターだけが見られます。通報者にも通報されたアカウントにも表示されません。
notes-none = メモはまだありません。
notes-add-label = メモを追加
notes-add = メモを追加
notes-delete = メモを削除
notes-delete-confirm = このメモを削除しますか？

## 許可ドメイン (/admin)
allows-heading = 許可されたドメイン
allows-hint = 許可は引用した条項のもとで記録されます（Mastodon の制限連合モード用）。Herd には制限連合モードがないため、ブロックされていないドメインはすべて連合します。
allows-none = 明示的に許可されたドメインはありません。
allows-add-heading = ドメインを許可
allows-add = 許可
allows-remove = 許可を取り消す
allows-lift-under = { $domain } の許可を取り消す根拠の条項

## 招待 (/admin)
invites-heading = 招待
invites-caption = 招待（新しい順）
invites-created = 作成
invites-uses = 使用回数
invites-expires = 有効期限
invites-state = 状態
invites-never = なし
invites-state-live = 有効
invites-state-used_up = 使用済み
invites-state-expired = 期限切れ
invites-state-revoked = 取り消し済み
invites-revoke = 取り消す
invites-revoke-label = { $created } に作成した招待を取り消す
invites-none = 招待はまだありません。
invites-add-heading = 招待を作成
invites-max-uses = 使用回数（1〜{ $max }、空欄で無制限）
invites-days = 有効日数（1〜{ $max }、空欄で無期限）
invites-add = 招待を作成
invites-made = 招待を作成しました
invites-made-once = このリンクを今コピーしてください。一度しか表示されません。開いた人は、登録を締め切っている間も承認を待たずに登録できます。

## ドット投票の残り (static/herd.js)
dots-left = 残りのドット：

## インスタンス設定（/admin、閲覧のみ）
instance-heading = インスタンス設定
instance-title = タイトル
instance-description = 説明
instance-contact = 連絡先
instance-unset = 未設定
instance-registrations = 登録
instance-where = これらは運用者が設定ファイルまたは HERD_* 変数で設定します（docs/operating.md）。会則で決めるものではなく、変更は再起動で反映されます。
