"""Local HTTP fakes of each channel's API, serving the channels' published payload shapes."""
