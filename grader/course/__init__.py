"""The course server: students hand in through personal links and read their feedback; the staff grade, extend
and release in the workspace. The course (config), what is stored (store), what is taken (intake, gate), the fair
grading queue (queue), each assignment as a class for the staff (classes), the pages (pages, facts,
student_views, staff_views, web), and the commands (command, client)."""
