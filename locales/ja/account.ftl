# アカウントのセキュリティとライフサイクル
settings-nav-security = セキュリティ
settings-nav-mails = メール
settings-nav-delete = アカウントの削除
account-save = 保存
account-current-password = 現在のパスワード
account-new-password = 新しいパスワード
account-confirm-password = 新しいパスワード（確認）

# 二要素認証
account-2fa-title = 二要素認証
account-2fa-is-on = 二要素認証は有効です。ログイン時に認証アプリのコードを求めます。
account-2fa-is-off = 二要素認証は無効です。
account-2fa-explain = 認証アプリ（FreeOTP、Aegis、2FAS など）を使うと、パスワードの後にスマートフォンの6桁のコードを求めます。その場合、パスワードで直接ログインするアプリは使えません。ブラウザ経由でログインしてください。
account-2fa-setup = 二要素認証を設定する
account-2fa-manage = 二要素認証の管理
account-2fa-scan = 認証アプリでこのQRコードを読み取ってください：
account-2fa-qr-label = 認証アプリ用の秘密鍵のQRコード
account-2fa-or-type = または、この秘密鍵をアプリに入力してください：
account-2fa-code = アプリのコード
account-2fa-code-hint = 6桁の数字です。ログイン時にはリカバリーコードも使えます。
account-2fa-enable = 有効にする
account-2fa-disable = 二要素認証を無効にする
account-2fa-on-now = 二要素認証を有効にしました。
account-2fa-codes = リカバリーコード
account-2fa-codes-hint = スマートフォンをなくしたとき、各コードで一度だけログインできます。表示されるのは今回だけなので、安全な場所に保管してください。
account-2fa-codes-kept = 保管しました
account-2fa-codes-left = リカバリーコードは残り{ $count }個です。
account-2fa-sign-in = 二要素認証
account-2fa-sign-in-hint = 認証アプリに表示される6桁のコード、またはリカバリーコードを入力してください。
account-2fa-wrong = コードが正しくありません。アプリの最新のコードを入力してください。
account-2fa-too-many = 間違ったコードが多すぎます。数分待ってからもう一度お試しください。

# 管理：二要素認証のリセット
account-admin-2fa-title = メンバーの二要素認証
account-admin-back = 管理ページに戻る
account-admin-2fa-hint = スマートフォンとリカバリーコードの両方をなくしたメンバーの二要素認証をリセットします。リセットはあなたの名前と理由とともにモデレーションログに記録されます。
account-admin-2fa-since = { $at }から有効
account-admin-2fa-reason = 理由
account-admin-2fa-reset = 二要素認証をリセット
account-admin-2fa-reset-named = @{ $name } の二要素認証をリセット
account-admin-2fa-done = メンバーの二要素認証をリセットしました。
account-admin-2fa-none = 二要素認証を有効にしているメンバーはいません。

# パスワード
account-password-title = パスワード
account-password-hint = パスワードを変更すると、他のすべてのブラウザとアプリからログアウトします。
account-password-change = パスワードを変更

# メールアドレス
account-email-title = メールアドレス
account-email-current = 現在のアドレス：{ $email }
account-email-pending = { $email } に確認リンクを送りました。リンクを開くとアドレスが変わります。
account-email-new = 新しいアドレス
account-email-change = 確認リンクを送る
account-email-changed = メールアドレスを変更しました
account-email-changed-message = アカウントは新しいアドレスを使います。
account-email-link-invalid = このリンクは無効か期限切れです。設定から新しいリンクを求めてください。

# 検索エンジン
account-search-title = 検索エンジン
account-noindex = 検索エンジンにプロフィールと投稿をインデックスしないよう求める

# メール
account-mails-title = メール
account-mails-hint = アカウントそのものに関するメール（アドレスの確認、パスワードの再設定）は必ず送られます。それ以外のメールには、その種類を止めるリンクが付いています。
account-mails-legend = 次のときにメールを受け取る
account-mail-proposals = 提案が始まったとき、または決まったとき
account-mail-reminders = まだ投票していない投票が24時間以内に締め切られるとき
account-mail-roles = 役職の任期がまもなく終わるとき
account-mail-expenses = 自分の経費が承認・却下・支払われたとき
account-unsubscribe-title = 配信停止
account-unsubscribe-ask = 「{ $kind }」の @{ $name } へのメールを止めますか？
account-unsubscribe-button = このメールを止める
account-unsubscribed = 「{ $kind }」の @{ $name } へのメールを止めました。
account-unsubscribe-settings = 受け取るメールを選ぶ

# アカウントの削除
account-delete-what = アカウントの削除は取り消せません。パスワードで確認すると：
account-delete-posts = あなたの投稿とブーストはここで削除され、他のサーバーにもアカウントと投稿の削除が伝えられます。
account-delete-membership = 協同組合の組合員資格は脱退となり、役職も終わります（出資金は定款に従って払い戻されます）。
account-delete-ledger = 協同組合の帳簿は、会計上必要なため、あなたに関する記録をそのまま残します。
account-delete-username = ユーザー名は予約されたままになり、他の人は使えません。
account-delete-final = すべてのブラウザとアプリからログアウトします。
account-delete-button = アカウントを削除する
account-deleted = アカウントを削除しました
account-deleted-message = 投稿は削除され、他のサーバーにも伝えられました。協同組合に参加してくださりありがとうございました。
account-home = ホーム
