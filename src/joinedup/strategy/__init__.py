"""The strategy: themes, outcomes, indicators, targets, milestones and pathway actions."""
