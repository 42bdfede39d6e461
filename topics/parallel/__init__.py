"""Labelling in several processes.

A local pool sharing the files with this process, a Dask cluster, process tuning.
"""
