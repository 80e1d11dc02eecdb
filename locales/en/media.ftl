# Video and audio in posts (templates/partials/status.html).
media-av-video-no-description = Video without a description
media-av-audio-no-description = Audio without a description
