"""Statistical neighbours and benchmarking: each indicator against its area's nearest
neighbours and England (rank, quartile, funnel plot, the neighbours' average trend)."""
