# Herd のページ（日本語）。キーは locales/en/herd.ftl と同じでなければならない
# （tests/i18n.rs が双方向に確認する）。

## レイアウト
skip-to-content = 本文へスキップ
nav-label = サイト
nav-home = ホーム
nav-sign-in = ログイン
nav-sign-up = 新規登録
nav-sign-out = ログアウト
footer-about = この協同組合について

## トップページ
index-coop = このサーバーは協同組合です。組合員が所有し、投票でルールを定め、会計を見ることができます。お好きな Mastodon アプリで { $domain } にログインしてください。
index-create-account = アカウントを作成
index-rules = サーバーのルール
index-finances = 会計
index-finances-public = 定款により組合の会計は公開されています。{ $date } 時点の残高：
index-nothing-posted = まだ記帳はありません。
index-income = 収入
index-expenses = 支出
index-net = 差引
index-full-report = 詳細な報告（JSON）
index-every-entry = すべての記帳（CSV）
index-verify-chain = 元帳のハッシュチェーンを検証

## エラー
error-back = トップページに戻る
error-not-found = 見つかりません
error-forbidden = 許可されていません
error-too-many = 試行回数が多すぎます
error-server = 問題が発生しました
error-other = うまくいきませんでした
error-no-page = このアドレスにはページがありません。
error-csrf = フォームの有効期限が切れたか、このサイトから送信されたものではありません。ページを再読み込みしてもう一度お試しください。

## フォーム
field-email = メールアドレス
field-login = メールアドレスまたはユーザー名
field-password = パスワード
field-password-confirm = パスワード（確認）
field-username = ユーザー名
passwords-differ = パスワードが一致しません。

## ログイン・新規登録
sign-in-forgot = パスワードをお忘れですか？
sign-in-invalid = メールアドレスまたはパスワードが正しくありません。
sign-in-too-many = 失敗が続いたため、数分待ってからもう一度お試しください。
sign-up-closed = このサーバーは現在新規登録を受け付けていません。
sign-up-reviewed = アカウントを使えるようになる前に、組合員が登録内容を確認します。
sign-up-invited = 招待を受けています。
sign-up-username-hint = 英数字とアンダースコアが使えます。あなたのアドレスは @{ $handle } になります。
sign-up-yourname = ユーザー名
sign-up-reason = 参加したい理由を教えてください
sign-up-agree = 次に同意します：
sign-up-rules-link = サーバーのルール
sign-up-too-many = このアドレスからの登録が多すぎます。しばらくしてからお試しください。
sign-up-confirm-sent = { $email } に確認リンクを送りました。リンクを開いてアカウントを有効にしてください。
sign-up-review = 組合員があなたの申請を確認します。承認されたらメールでお知らせします。
sign-up-ready = アカウントの準備ができました。今すぐログインできます。
sign-up-welcome = ようこそ！
confirmed-heading = メールアドレスを確認しました
confirmed-message = ありがとうございます。メールアドレスの確認が完了しました。
confirmation-invalid = この確認リンクは無効か、使用済みか、期限切れです。ログインすると新しいリンクを受け取れます。

## パスワード
password-edit-title = 新しいパスワードを設定
password-new = 新しいパスワード
password-new-confirm = 新しいパスワード（確認）
password-set = パスワードを設定
password-reset-title = パスワードの再設定
password-reset-heading = パスワードを再設定する
password-reset-intro = メールアドレスを入力すると、新しいパスワードを設定するためのリンクをお送りします。
password-send-link = リンクを送信
password-check-email = メールを確認してください
password-link-sent = そのアドレスを使うアカウントがあれば、新しいパスワードを設定するリンクを送りました。
password-link-invalid = このパスワード再設定リンクは無効か期限切れです。
password-changed = パスワードを変更しました
password-changed-message = 新しいパスワードが設定されました。新しいパスワードでログインしてください。

## OAuth
oauth-authorize-title = { $app } を承認
oauth-asks = があなたのアカウント { $account } を次の権限で使うことを求めています：
oauth-sent-back = 承認後の移動先：
oauth-authorize = 承認する
oauth-deny = 拒否する
oauth-denied = 承認を拒否しました。
oauth-code-title = 認証コード
oauth-code-hint = このコードをコピーして { $app } に貼り付けてください：
oauth-code-label = { $app } の認証コード
scope-read = アカウントのすべてのデータの読み取り
scope-write = アカウントのすべてのデータの変更と投稿
scope-follow = アカウントのフォロー、ブロック、ミュート
scope-push = プッシュ通知の受信
scope-profile = プロフィールのみの読み取り
scope-admin-read = サーバーのデータの読み取り（モデレーターと管理者）
scope-admin-write = モデレーション操作（モデレーターと管理者）
scope-read-part = アカウントのデータの一部の読み取り
scope-write-part = アカウントのデータの一部の変更
scope-admin-part = サーバーの一部の管理

## 投稿
status-boosted-by = { $name } さんがブースト
status-reply = スレッド内の返信
status-show-more = もっと見る
status-thread = スレッド
status-page-title = { $name } (@{ $handle })
status-replies = 返信 { $count } 件
status-boosts = ブースト { $count } 件
status-favourites = お気に入り { $count } 件
visibility-public = 公開
visibility-unlisted = ひかえめな公開
visibility-private = フォロワーのみ
visibility-direct = メンションした相手のみ
media-show-sensitive = センシティブなメディアを表示
media-no-description = 説明のない画像
poll-votes = { $count } 票
poll-closed = 終了
action-reply = 返信
action-favourite = お気に入り
action-boost = ブースト
action-bookmark = ブックマーク
action-delete = 削除

## プロフィール
profile-posts = 投稿 { $count } 件
profile-followers = フォロワー { $count } 人
profile-following = フォロー { $count } 人
profile-suspended = このアカウントは停止されています。
profile-moved = このアカウントは次に移転しました：
profile-follow-sign-in = ログインしてフォロー
profile-tabs = このアカウントの投稿
profile-tab-posts = 投稿
profile-tab-with_replies = 投稿と返信
profile-tab-replies = 投稿と返信
profile-tab-media = メディア
profile-pinned = 固定された投稿
profile-no-posts = まだ投稿はありません。
profile-collections-hidden = このアカウントはこの一覧を非公開にしています。
followers-heading = { $name } さんのフォロワー
following-heading = { $name } さんがフォロー中
accounts-none = まだいません。
tag-no-posts = このハッシュタグの公開投稿はまだありません。
pager-label = ページ
pager-newer = 新しい投稿
pager-older = 古い投稿

## ホームと投稿
home-title = ホーム
home-timeline = ホームタイムライン
home-empty = まだ何もありません。誰かをフォローすると投稿がここに表示されます。
compose-heading = 新しい投稿
compose-reply-heading = @{ $handle } さんへの返信
compose-cw = 閲覧注意の警告（任意）
compose-text = 今なにしてる？
compose-limit = 最大 { $max } 文字。
compose-visibility = 公開範囲
compose-language = 言語
compose-sensitive = メディアをセンシティブとして設定
compose-publish = 投稿する
delete-title = この投稿を削除しますか？
delete-explain = 投稿はこのサーバーと、届いた先のサーバーから削除されます。元に戻せません。
delete-confirm = 削除する
delete-cancel = 削除しない

## タイムラインと通知
nav-local = ローカル
nav-federated = 連合
nav-notifications = 通知
local-heading = このサーバーの投稿
federated-heading = あらゆる場所からの投稿
timeline-empty = まだ投稿はありません。
notifications-filter = 表示
notifications-all = すべて
notifications-mentions = メンション
notifications-favourites = お気に入り
notifications-boosts = ブースト
notifications-follows = フォロー
notifications-empty = まだ通知はありません。
notification-mention = { $name } さんがあなたにメンションしました
notification-status = { $name } さんが投稿しました
notification-reblog = { $name } さんがあなたの投稿をブーストしました
notification-follow = { $name } さんにフォローされました
notification-follow_request = { $name } さんからフォローリクエストが届きました
notification-favourite = { $name } さんがあなたの投稿をお気に入りに登録しました
notification-poll = 参加したアンケートが終了しました
notification-update = { $name } さんが投稿を編集しました
notification-other = { $name } さん：新しいお知らせ

## フォロー、ブックマーク、お気に入り
profile-follow = フォローする
profile-unfollow = フォロー解除
profile-cancel-request = フォローリクエストを取り消す
profile-follows-you = あなたをフォローしています
nav-bookmarks = ブックマーク
nav-favourites = お気に入り
