"""What an instructor makes from an assignment besides grading with it: the reference's recorded measurements and
accuracies (`grader reference record`), and the Gradescope autograder package."""
