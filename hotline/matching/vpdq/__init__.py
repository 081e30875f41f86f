"""vPDQ, Meta's video hash: PDQ of one frame per second, matched as a bag of frames.

* :mod:`.features`: the frame dataclass and the text and JSON forms it is exchanged in;
* :mod:`.decode`: frames from a video file through Debian's ffmpeg, streamed;
* :mod:`hotline.matching.hashing.vpdq`: the vPDQ of a video (our PDQ on each sampled frame);
* :mod:`.compare`: the match of two vPDQ hashes (shares of query and indexed frames);
* :mod:`.index`: videos of the hash lists, their frames in a PDQ index.
"""
