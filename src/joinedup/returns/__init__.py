"""Returns: the figures partners send in each period, with their sign-off and history."""
