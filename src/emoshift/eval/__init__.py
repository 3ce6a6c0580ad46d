"""Evaluation: the shape-image judge, metrics (Acc1, Acc2, G-mean), reports, and the FER2013 judge."""
