"""The 7S self-assessment: the questionnaire, members' scores and the results by element."""
