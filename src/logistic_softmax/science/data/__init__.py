"""Data for the reports: statsmodels datasets and CSV files (:mod:`.tables`), MNIST (:mod:`.mnist`)."""
