# ログイン後の設定ページ (/settings/…)
nav-settings = 設定
settings-title = 設定
settings-nav-label = 設定の項目
settings-nav-profile = プロフィール
settings-nav-preferences = 環境設定
settings-nav-filters = フィルター
settings-nav-applications = アプリ
settings-nav-sessions = セッション
settings-saved = 変更を保存しました。
settings-save = 変更を保存

# プロフィール
settings-profile-title = プロフィール
settings-display-name = 表示名
settings-note = 自己紹介
settings-fields = プロフィール補足情報
settings-fields-hint = ウェブサイトや代名詞など、プロフィールに表示する項目と内容を4つまで設定できます。
settings-field-name = 項目 { $n } のラベル
settings-field-value = 項目 { $n } の内容
settings-avatar = アイコン
settings-avatar-current = 現在のアイコン
settings-avatar-hint = PNG、JPEG、GIF、WebP。400×400ピクセルに切り抜かれます。
settings-avatar-remove = アイコンを削除
settings-header = ヘッダー画像
settings-header-current = 現在のヘッダー画像
settings-header-hint = PNG、JPEG、GIF、WebP。1500×500ピクセルに切り抜かれます。
settings-header-remove = ヘッダー画像を削除
settings-account-flags = アカウント
settings-locked = フォローを承認制にする（鍵アカウント）
settings-bot = これは BOT アカウントです
settings-discoverable = おすすめやディレクトリにこのアカウントを掲載する
settings-attribution-domains = あなたを作者として表示できるウェブサイト
settings-attribution-domains-hint = 1行に1つのドメイン（例: blog.example.org）。これらのサイトとそのサブドメインのページのリンクプレビューに、あなたを作者として表示できます。
settings-hide-collections = フォローとフォロワーの一覧を隠す

# 環境設定
settings-preferences-title = 環境設定
settings-posting = 投稿
settings-privacy = 新しい投稿の公開範囲の既定値
settings-language = 新しい投稿の言語の既定値
settings-language-hint = en や ja などの言語コード。空欄なら投稿ごとに指定します。
settings-sensitive = メディアを常に閲覧注意としてマークする
settings-site = このサイト
settings-locale = 表示言語
settings-locale-name = 日本語
settings-theme = テーマ
settings-theme-auto = システムの設定に合わせる
settings-theme-light = ライト
settings-theme-dark = ダーク
settings-theme-contrast = ハイコントラスト
settings-reduce-motion = アニメーションを減らす
settings-shortcuts = タイムラインでキーボードショートカットを使う

# フィルター
settings-filters-title = フィルター
settings-filters-hint = フィルターのキーワードを含む投稿は、選んだ場所で非表示になるか、警告の後ろに表示されます。
settings-filters-none = フィルターはありません。
settings-filters-back = フィルター一覧へ戻る
settings-filter-new = 新しいフィルター
settings-filter-edit = フィルターを編集
settings-filter-title = タイトル
settings-filter-contexts = 適用する場所
settings-context-home = ホームとリスト
settings-context-notifications = 通知
settings-context-public = 公開タイムライン
settings-context-thread = 会話
settings-context-account = プロフィール
settings-filter-action = フィルターの動作
settings-filter-action-warn = 警告の後ろに隠す
settings-filter-action-hide = 完全に隠す
settings-filter-action-blur = メディアをぼかす
settings-filter-expiry = 有効期限
settings-filter-expiry-keep = 現在の期限のまま（{ $at } UTC）
settings-filter-expiry-never = 無期限
settings-filter-expiry-1800 = 30分後
settings-filter-expiry-3600 = 1時間後
settings-filter-expiry-21600 = 6時間後
settings-filter-expiry-43200 = 12時間後
settings-filter-expiry-86400 = 1日後
settings-filter-expiry-604800 = 1週間後
settings-filter-expired = 期限切れ
settings-filter-expires = { $at } UTC に期限切れ
settings-filter-keywords = キーワード: { $list }
settings-filter-keywords-legend = キーワード
settings-filter-keyword = キーワード { $n }
settings-filter-whole-word = 単語全体にマッチ
settings-filter-keyword-remove = 削除
settings-filter-delete = 削除
settings-filter-delete-named = フィルター「{ $title }」を削除

# アプリ
settings-applications-title = 認証済みアプリ
settings-applications-hint = これらのアプリはあなたのアカウントを使えます。取り消すとそのアプリはログアウトします。
settings-applications-none = アカウントへのアクセス権を持つアプリはありません。
settings-app-authorised = { $at } UTC に認証
settings-app-scopes = 権限: { $scopes }
settings-app-revoke = アクセスを取り消す
settings-app-revoke-named = { $name } のアクセスを取り消す

# セッション
settings-sessions-title = セッション
settings-sessions-hint = あなたのアカウントにログインしているブラウザ。
settings-session-unknown = 不明なブラウザ
settings-session-current = このブラウザ
settings-session-used = 最終利用 { $at } UTC
settings-session-started = ログイン { $at } UTC
settings-session-revoke = ログアウト
settings-session-revoke-named = 最終利用 { $at } UTC のブラウザをログアウト
settings-sessions-revoke-others = ほかのすべての場所からログアウト

# エクスポートとインポート
settings-nav-export = エクスポート
settings-nav-import = インポート
settings-export-title = データのエクスポート
settings-export-hint = Mastodon の形式のファイルです。どの Mastodon サーバーでもインポートできます。
settings-export-follows = フォロー中のアカウント
settings-export-lists = リスト
settings-export-blocks = ブロック中のアカウント
settings-export-mutes = ミュート中のアカウント
settings-export-domain_blocks = ブロック中のドメイン
settings-export-bookmarks = ブックマーク
settings-export-archive = 投稿とメディアのアーカイブ
settings-import-title = インポート
settings-import-hint = Herd または Mastodon サーバーからエクスポートした CSV ファイル。
settings-import-type = ファイルの内容
settings-import-mode = インポートの方法
settings-import-merge = 今あるものに追加する
settings-import-overwrite = 今あるものを置き換える
settings-import-file = ファイル
settings-import-submit = インポート
settings-import-no-file = インポートする CSV ファイルを選んでください。
settings-import-done = { $total } 行中 { $imported } 行をインポートしました。
settings-import-failures = インポートできなかった行
settings-import-line = 行
settings-import-value = 値
settings-import-reason = 理由

# 引っ越し
settings-nav-migration = 引っ越し
settings-migration-title = アカウントの引っ越し
settings-migration-not-found = そのアドレスのアカウントが見つかりません。
settings-aliases-title = ほかのアカウントからここへ引っ越す
settings-aliases-hint = ほかのアカウントのフォロワーをここへ移すには、まずそのアカウントをここで指定し、次に元のサーバーで引っ越しを始めてください。
settings-aliases-none = あなたのものとして指定されたアカウントはありません。
settings-alias-acct = ほかのアカウントのアドレス
settings-alias-add = エイリアスを追加
settings-alias-remove = 削除
settings-alias-remove-named = エイリアス { $alias } を削除
settings-move-title = このアカウントをほかへ引っ越す
settings-move-hint = 新しいアカウントで、先にこのアカウントをエイリアスとして指定してください。フォロワーは新しいアカウントをフォローし、このアカウントは引っ越し済みとして残ります。
settings-moved-to = このアカウントは { $acct } へ引っ越しました。
settings-move-target = 新しいアカウントのアドレス
settings-current-password = 現在のパスワード
settings-move-submit = このアカウントを引っ越す
