"""The `grader` command (grader.cli.main): what every subcommand shares (support), grading one hand-in (grading),
a class (classroom), an assignment's own artefacts (instructor)."""
