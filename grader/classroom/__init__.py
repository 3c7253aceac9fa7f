"""A class: finding every hand-in (discover), grading what is new on N workers into a resumable store (batch,
written_batch), one gradebook row per student (entries), near-identical code (similarity), the instructor's own
grading (manual) and the batch's output folder with its exports (folder)."""
