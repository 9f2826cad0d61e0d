"""The site's frame: GOV.UK Design System layout, sign-in, error pages and formatting."""
