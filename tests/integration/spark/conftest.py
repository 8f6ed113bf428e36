def pytest_configure(config):
    config.addinivalue_line(
        "markers", "spark: runs the link stage on a local Spark session (needs the spark extra)"
    )
