# メンバー向けサイトの追加機能 (src/web/member_tools/)。en/pages14.ftl と同じキー。

## メモとおすすめアカウント
note-title = @{ $handle } へのメモ
note-heading = あなただけのメモ
note-label = メモ
note-explain = このメモはあなたにしか見えません。
note-save = メモを保存
profile-feature = プロフィールでおすすめする
profile-featured = おすすめアカウント

## ハッシュタグ
tag-follow = #{ $tag } をフォロー
tag-unfollow = #{ $tag } のフォローを解除
tag-followed-hint = このハッシュタグの投稿がホームタイムラインに届きます。

## リンクカード
card-label = リンクのプレビュー
card-by = 作成者:
card-more-from = 作成者の投稿:

## 投稿: 複数の画像
compose-media-more = 画像を追加 (それぞれに説明を付けて)
compose-media-slot = 画像 { $n }
compose-media-slot-description = 画像 { $n } の説明

## ミュート・ブロック・ドメインブロック
settings-nav-mutes = ミュート
settings-nav-blocks = ブロック
settings-nav-domain_blocks = ブロックしたドメイン
hidden-unmute = @{ $handle } のミュートを解除
hidden-unblock = @{ $handle } のブロックを解除
hidden-until = 期限:
hidden-none-mutes = ミュートしているアカウントはありません。
hidden-none-blocks = ブロックしているアカウントはありません。
hidden-none-domains = ブロックしているドメインはありません。
hidden-domain-label = ドメイン
hidden-domain-hint = このサーバーのすべてのアカウントの投稿と通知が表示されなくなり、相互のフォローも解除されます。
hidden-domain-block = ドメインをブロック
hidden-domain-unblock = { $domain } のブロックを解除

## キーボードショートカット
shortcuts-title = キーボードショートカット
shortcuts-move = 次または前の投稿
shortcuts-reply = 返信
shortcuts-boost = ブースト
shortcuts-favourite = お気に入り
shortcuts-new = 新しい投稿
shortcuts-search = 検索
shortcuts-home = ホーム
shortcuts-notifications = 通知
shortcuts-local = ローカルタイムライン
shortcuts-federated = 連合タイムライン
shortcuts-help = この一覧
shortcuts-off-hint = ショートカットは設定でオフにできます。
shortcuts-close = 閉じる

## サービスの検証メッセージ ($n: メッセージ中の数)
err-status-blank = 投稿する内容を入力してください。
err-status-too-long = 投稿が { $n } 文字を超えています。
err-spoiler-too-long = 閲覧注意の文が長すぎます。
err-language-invalid = 言語コード (en や ja など) ではありません。
err-visibility-invalid = 表示された公開範囲から選んでください。
err-media-and-poll = 画像とアンケートは同じ投稿に付けられません。
err-poll-too-few = アンケートには 2 つ以上の選択肢が必要です。
err-poll-too-many = アンケートの選択肢は最大 { $n } 個です。
err-poll-option-too-long = 選択肢はそれぞれ最大 { $n } 文字です。
err-poll-duplicate = 同じ選択肢が 2 つあります。
err-poll-too-soon = アンケートの期間をもっと長くしてください。
err-poll-too-far = アンケートの期間をもっと短くしてください。
err-poll-expires-blank = アンケートの期間を選んでください。
err-media-too-many = 1 つの投稿に付けられる画像は最大 { $n } 枚です。
err-description-too-long = 説明は最大 { $n } 文字です。
err-file-type = このサーバーが受け付ける画像ファイル (JPEG、PNG、GIF、WebP) ではありません。
err-file-unreadable = このファイルは画像として読み込めませんでした。
err-file-too-big = ファイルが大きすぎます。
err-file-too-many-pixels = 画像の画素数が多すぎます。
err-focus = 焦点は -1 から 1 の間の 2 つの数です。
err-media-unknown = 添付した画像が見つかりません。もう一度添付してください。
err-file-blank = ファイルを選んでください。
err-report-self = 自分自身は通報できません。
err-report-statuses = 通報するアカウントの投稿だけを選んでください。
err-report-rules = このサーバーの行動規範のルールから選んでください。
err-report-category = 表示された理由から選んでください。
err-title-blank = タイトルを入力してください。
err-title-too-long = タイトルが長すぎます。
err-lists-max = 作成できるリストの上限に達しています。
err-list-not-followed = リストに追加する前にアカウントをフォローしてください。
err-replies-policy = 表示された返信の設定から選んでください。
err-filters-max = 作成できるフィルターの上限に達しています。
err-keyword-too-long = キーワードが長すぎます。
err-keyword-blank = キーワードを 1 つ以上入力してください。
err-keywords-max = 1 つのフィルターのキーワードは最大 { $n } 個です。
err-context-blank = フィルターを適用する場所を選んでください。
err-filter-context = 表示された場所からフィルターを適用する場所を選んでください。
err-filter-action = 表示された動作から選んでください。
err-expires-too-large = フィルターの期間が長すぎます。
err-filter-status-taken = この投稿はすでにフィルターに入っています。
err-endorse-not-following = おすすめする前にアカウントをフォローしてください。
err-domain-own = 自分のサーバーはブロックできません。
err-domain-invalid = ドメイン名 (example.org など) ではありません。
err-domain-blank = ドメインを入力してください。
err-too-long = 最大 { $n } 文字です。
