# 投稿の動画と音声 (templates/partials/status.html)。
media-av-video-no-description = 説明のない動画
media-av-audio-no-description = 説明のない音声
