"""What a notebook imports besides the science: parameters, checks, metrics, progress, banners, figures."""
