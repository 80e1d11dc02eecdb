# 引用投稿：投稿の中の引用された投稿、表示できないときの状態、引用の操作と投稿フォームの
# 引用される投稿。キーは en/quotes.ftl と同じ。

quote-label = { $name } さんの投稿を引用
quote-state-pending = 引用された投稿は作者の承認待ちです。
quote-state-rejected = 引用された投稿の作者がこの引用を断りました。
quote-state-revoked = 引用された投稿の作者がこの引用を取り消しました。
quote-state-deleted = 引用された投稿は削除されました。
quote-state-unauthorized = 引用された投稿を見る権限がありません。
quote-state-blocked_account = 引用された投稿は、あなたがブロックした、またはあなたをブロックしたアカウントのものです。
quote-state-blocked_domain = 引用された投稿は、あなたがブロックしたサーバーのものです。
quote-state-muted_account = 引用された投稿は、あなたがミュートしたアカウントのものです。
quote-action = 引用
quote-compose-heading = @{ $handle } さんの投稿を引用
