# モデレーションのページ：/moderation、通報、アカウント、異議申し立て、ログ、/strikes、/admin。

## Queue and reports
mod-queue-title = モデレーション
mod-nav-label = モデレーション
mod-open = 未対応
mod-resolved = 対応済み
mod-filter = 通報を絞り込む
mod-origin = 通報されたアカウント
mod-origin-local = このサーバー
mod-origin-remote = 他のサーバー
mod-any = すべて
mod-category = カテゴリー
mod-category-spam = スパム
mod-category-legal = 法的問題
mod-category-violation = ルール違反
mod-category-other = その他
mod-apply-filter = 絞り込む
mod-queue-empty = 通報はありません。
mod-report-about = @{ $acct } についての通報 { $id }
mod-assigned-to = 担当：@{ $acct }
mod-report-title = 通報 { $id }
mod-back-to-queue = 通報一覧に戻る
mod-reported-account = 通報されたアカウント
mod-reporter = 通報者
mod-filed = 通報日
mod-state = 状態
mod-assigned = 担当者
mod-nobody = なし
mod-assign-to-me = 自分が担当する
mod-unassign = 担当を外れる
mod-resolve = 措置なしで解決
mod-reopen = 再び開く
mod-comment = 通報者のコメント
mod-no-comment = コメントはありません。
mod-rules-cited = 挙げられたルール
mod-no-rules = ルールは挙げられていません。
mod-reported-posts = 通報された投稿
mod-no-posts = 投稿は添付されていません。

## The action form
mod-action-heading = 措置を取る
mod-sanction = 措置
mod-sanction-warn = 警告
mod-sanction-none = 警告
mod-sanction-sensitive = メディアを閲覧注意にする
mod-sanction-silence = 制限（サイレンス）
mod-sanction-suspend = 停止
mod-sanction-disable = ログインを無効化
mod-sanction-delete_statuses = 投稿の削除
mod-choose-sanction = これを認める条項を表示
mod-imposing = 措置：{ $sanction }
mod-clause = 採択されたポリシーの条項
mod-clause-choose = 条項を選んでください
mod-clause-hint = 施行中のポリシーのうち、この措置を認める条項だけが並びます。
mod-clause-none = この措置を認める施行中の条項がないため、この措置は取れません。
mod-reason = 理由
mod-action-notice = アカウントには /strikes で確認・異議申し立てできるストライクと通知が届きます。措置と引用はモデレーションログに記録されます。
mod-act = この措置を取る
mod-own-account = 自分のアカウントには措置を取れません。

## An account
mod-lift = 解除する
mod-lift-unsuspend = 停止を解除する根拠
mod-lift-unsilence = 制限を解除する根拠
mod-lift-unsensitive = メディアの閲覧注意を解除する根拠
mod-lift-enable = ログインを再び有効にする根拠
mod-account-title = @{ $acct } のモデレーション記録
mod-profile = プロフィール
mod-joined = 登録日
mod-flag-suspended = 停止中
mod-flag-silenced = 制限中
mod-flag-sensitized = メディア閲覧注意
mod-flag-disabled = ログイン無効
mod-flag-pending = 承認待ち
mod-flag-none = 問題なし
mod-strikes = ストライク
mod-no-strikes = ストライクはありません。
mod-overruled = 取り消し済み
mod-appeal-pending = 異議申し立て審査中
mod-appeal-approved = 異議申し立て承認
mod-appeal-rejected = 異議申し立て却下
mod-reports-about = このアカウントについての通報
mod-no-reports = 通報はありません。
mod-previous-actions = これまでの措置
mod-no-actions = まだ措置はありません。
mod-under = 根拠
mod-by = 担当 @{ $acct }

## Appeals
mod-appeals-title = 異議申し立て
mod-appeal-by = @{ $acct } による異議申し立て
mod-appeal-yours = この措置はあなたが取ったため、別のモデレーターが判断します。
mod-appeal-own = あなた自身の異議申し立てです。別のモデレーターが判断します。
mod-decision-reason = 判断の理由
mod-approve-appeal = 承認（ストライクを取り消す）
mod-reject-appeal = 却下
mod-no-appeals = 審査待ちの異議申し立てはありません。

## The log
mod-log-title = モデレーションログ
mod-log-intro = すべてのモデレーション措置と、その根拠となった採択済みポリシーの条項です。
mod-log-empty = まだ記録はありません。

## Strikes
strikes-title = 自分のストライク
strikes-under = 根拠
strikes-reason = モデレーターの理由：
strikes-overruled = このストライクは取り消されました。
strikes-appeal-text = 取り消すべき理由
strikes-appeal-until = { $date } まで異議申し立てができます。
strikes-appeal = 異議を申し立てる
strikes-window-closed = このストライクへの異議申し立て期間は終わりました。
strikes-none = ストライクはありません。

## Admin
admin-title = 管理
admin-users = ローカルアカウント { $count } 件
admin-open-reports = 未対応の通報 { $count } 件
admin-pending-appeals = 審査待ちの異議申し立て { $count } 件
admin-blocked-domains = ブロック中のドメイン { $count } 件
admin-signups = 承認待ちの登録
admin-no-signups = 承認待ちの登録はありません。
admin-approve = 承認
admin-reject = 拒否
admin-domain-blocks = ドメインブロック
admin-no-blocks = ブロック中のドメインはありません。
admin-severity = 重さ
admin-severity-silence = 制限
admin-severity-suspend = 停止
admin-severity-noop = 制限なし
admin-lift-under = { $domain } のブロックを解除する根拠
admin-unblock = ブロックを解除
admin-block-heading = ドメインをブロック
admin-domain = ドメイン
admin-public-comment = 公開コメント
admin-private-comment = 非公開コメント（モデレーターのみ）
admin-obfuscate = 公開リストでドメインを伏せる
admin-block = ブロック
