"""The PySpark recipe (docs/examples/spark_render.py), run only by `make test-spark`."""
