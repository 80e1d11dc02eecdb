# 組合員のソーシャル機能のページ（検索、編集と履歴、固定、通報、ミュートとブロック、リスト、
# 会話、フォローリクエスト）。キーは en/social.ftl と同じ。

nav-search = 検索
social-cancel = キャンセル

## 検索
search-title = 検索
search-title-for = 検索：{ $q }
search-label = ユーザー、ハッシュタグ、投稿を検索
search-hint = user@example.org のようなハンドルや、投稿・プロフィールのアドレスは、そのサーバーに問い合わせます。
search-submit = 検索
search-more = リストとメッセージ
search-kinds = 表示する種類
search-all = すべて
search-accounts = ユーザー
search-hashtags = ハッシュタグ
search-statuses = 投稿
search-nothing = 「{ $q }」に一致するものはありません。

## 投稿の操作
status-edited = 編集済み
action-edit = 編集
action-pin = 固定
action-report = 通報
edit-title = 投稿を編集
edit-save = 変更を保存
history-title = 編集履歴
history-back = 投稿に戻る
history-original = 元の投稿
history-edited = 編集
history-media = 添付：

## 通報
report-title = @{ $handle } を通報
report-explain = 通報はすべてモデレーターが読みます。何が問題かを書き、できれば違反しているルールを挙げてください。
report-posts = 含める投稿
report-category = 問題の種類
report-category-spam = スパム
report-category-legal = 違法なコンテンツ
report-category-violation = サーバーのルールに違反している
report-category-other = その他
report-rules = 行動規範のルール
report-rules-hint = ルールを挙げると、ルール違反の通報になります。
report-comment = モデレーターへの補足（任意）
report-forward = { $domain } にも匿名で通報を転送する
report-submit = 通報する
report-sent-title = 通報しました
report-sent = ありがとうございます。モデレーターが確認します。
report-sent-back = @{ $handle } に戻る
report-sent-mute = このアカウントをミュート

## プロフィールでのミュート、ブロック、通知、リスト
profile-notify = 投稿を通知
profile-lists = リスト
profile-mute = ミュート
profile-unmute = ミュート解除
profile-block = ブロック
profile-unblock = ブロック解除
profile-report = 通報
mute-title = @{ $handle } をミュート
mute-explain = 相手の投稿がタイムラインから消えます。相手には知らされません。
mute-duration = 期間
mute-duration-forever = 解除するまで
mute-duration-30m = 30分
mute-duration-1h = 1時間
mute-duration-6h = 6時間
mute-duration-1d = 1日
mute-duration-3d = 3日
mute-duration-7d = 1週間
mute-notifications = 通知も隠す
mute-submit = ミュート
account-lists-title = @{ $handle } を含むリスト
account-lists-follow-first = リストに追加できるのはフォローしているアカウントだけです。

## フォローリクエスト
follow-requests-title = フォローリクエスト
follow-requests-none = 待っている人はいません。
follow-request-accept = 承認
follow-request-reject = 拒否
follow-request-accept-who = @{ $handle } を承認
follow-request-reject-who = @{ $handle } を拒否

## リスト
lists-title = リスト
lists-none = リストはまだありません。
lists-manage = リストを管理
lists-all = すべてのリスト
list-new = 新しいリスト
list-create = リストを作成
list-title-field = 名前
list-replies-policy = 表示する返信
list-replies-list = リストのメンバーへの返信
list-replies-followed = フォロー中の人への返信
list-replies-none = 返信を表示しない
list-exclusive = このメンバーの投稿をホームに表示しない
list-exclusive-short = ホームに非表示
list-settings = リストの設定
list-save = 保存
list-delete = このリストを削除
list-members = メンバー
list-no-members = このリストにはまだ誰もいません。
list-find = フォロー中の人から探して追加
list-find-none = 一致するフォロー中の人はいません。
list-add = 追加
list-remove = 削除
list-add-who = @{ $handle } を追加
list-remove-who = @{ $handle } を削除
list-add-to = { $title } に追加
list-remove-from = { $title } から削除
list-timeline = 投稿

## 会話
conversations-title = ダイレクトメッセージ
conversations-none = ダイレクトメッセージはありません。
conversation-unread = 未読
conversation-with = 相手：
conversation-mark-read = 既読にする
conversation-remove = 削除

## 投稿フォームの追加項目
visibility-local = ローカル限定（連合しない）
compose-poll = アンケートを追加
compose-poll-options = アンケートの選択肢
compose-poll-option = 選択肢 { $n }
compose-poll-length = アンケートの期間
compose-poll-multiple = 複数選択を許可
compose-scheduled = 予約投稿（UTC、任意）
poll-duration-300 = 5分
poll-duration-1800 = 30分
poll-duration-3600 = 1時間
poll-duration-21600 = 6時間
poll-duration-86400 = 1日
poll-duration-259200 = 3日
poll-duration-604800 = 1週間
compose-media = 画像（任意）
compose-media-attached = 画像 { $count } 枚を添付済みです。
compose-media-file = 画像を選ぶ（JPEG、PNG、GIF、WebP）
compose-media-description = 画像の説明（代替テキスト）
compose-media-description-hint = 画像を見られない人のために内容を説明してください。
compose-media-focus-x = 焦点の横位置（−1 左〜1 右）
compose-media-focus-y = 焦点の縦位置（−1 下〜1 上）
