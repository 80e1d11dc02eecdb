# /admin のインスタンス設定（管理者が変更できるもの）。
# ここのキーはすべて locales/en/admin15.ftl にもあること（tests/i18n.rs が双方向で確認します）。
admin15-hint = 管理者はいつでもこれらを変更できます。既定値は設定ファイルが決めます。定款が決めること（組合員資格、投票、モデレーション）は提案によってのみ変わります。変更はすべてモデレーションログに記録されます。
admin15-title = タイトル
admin15-title-hint = このインスタンスの名前。すべてのページとアプリに表示されます（100文字以内）。
admin15-description = 短い説明
admin15-description-hint = このインスタンスが何かを一、二文で（500文字以内）。
admin15-extended_description = 詳しい説明
admin15-extended_description-hint = 概要ページとアプリに表示されます。Markdown で書けます（20,000文字以内）。
admin15-contact_email = 連絡先メールアドレス
admin15-contact_email-hint = 管理者への連絡先。空欄なら表示しません。
admin15-contact_account = 連絡先アカウント
admin15-contact_account-hint = アプリが連絡先として表示するこのインスタンスのアカウントのユーザー名。空欄なら表示しません。
admin15-feeds = フィードを読める人
admin15-feeds-hint = フィードごとに、このインスタンスの投稿と他のサーバーの投稿を別々に設定します。無効にしたフィードもモデレーターと管理者は読めます。
admin15-live_feeds-local = 公開タイムライン（ローカルの投稿）
admin15-live_feeds-remote = 公開タイムライン（他のサーバーの投稿）
admin15-hashtag_feeds-local = ハッシュタグタイムライン（ローカルの投稿）
admin15-hashtag_feeds-remote = ハッシュタグタイムライン（他のサーバーの投稿）
admin15-trending_link_feeds-local = トレンドのリンク（ローカルの投稿）
admin15-trending_link_feeds-remote = トレンドのリンク（他のサーバーの投稿）
admin15-level-public = 誰でも
admin15-level-authenticated = ログインしているユーザー
admin15-level-disabled = モデレーターと管理者のみ
admin15-link_previews = 投稿のリンクプレビューを取得する
admin15-save = 設定を保存
admin15-elsewhere = 新規登録、上限、メール、ストレージ、データベースは運営者の設定ファイルまたは HERD_* 変数のままです（docs/operating.md）。
