"""Classification stage.

The scikit-learn estimator (training only), the numpy predictor (labelling) and the
second stage (context and calibration).
"""
