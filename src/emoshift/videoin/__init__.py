"""Video in (issue 17): a person's video + an instruction -> the same video with the instructed emotions
over the person's own face, speech and head motion (:func:`animate_video`)."""

from emoshift.videoin.probe import MAX_SECONDS, VIDEO_SUFFIXES, VideoInfo, is_video_path, probe
from emoshift.videoin.run import VideoResult, animate_video

__all__ = ["MAX_SECONDS", "VIDEO_SUFFIXES", "VideoInfo", "VideoResult", "animate_video", "is_video_path", "probe"]
