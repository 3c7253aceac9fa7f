"""What a student hands in, as files: unpacking it safely (archive), finding the file to run (load), reading a
notebook (notebook). Used by the parent and, for notebooks, by the child."""
