"""Writers of results: the HTML report, Gradescope JSON, JUnit XML, CSV gradebooks and the class summary (the
table of them is grader.report.formats), and what is printed or posted rather than written: terminal tables,
a Markdown job summary, GitHub annotations. A writer writes the result it is given: what a reader may see is
decided before (grader.policy)."""
