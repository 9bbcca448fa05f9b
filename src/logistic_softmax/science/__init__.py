"""The science the notebooks call: numerics, statistics, networks and data (NumPy, SciPy, pandas, statsmodels only)."""
