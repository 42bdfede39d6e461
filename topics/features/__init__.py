"""Feature stage: cue words and TF-IDF indexes, shared by training and labelling."""
