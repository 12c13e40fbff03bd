"""The package, plus the demo logs shipped inside it (`lossacc-tui demo` outside a clone).

The demo logs stay at the repository's top level (tests, benchmarks and their generator use them
there); the wheel carries them as `lossacc_tui/demo_logs/`, every data folder a package of its own
so setuptools copies its files. Everything else is configured in pyproject.toml (package data is
set here only: a [tool.setuptools.package-data] table there would replace this one).
"""

from setuptools import find_namespace_packages, find_packages, setup

DEMO = "lossacc_tui.demo_logs"
demo = [DEMO] + [
    f"{DEMO}.{p}" for p in find_namespace_packages("demo_logs", exclude=["scripts", "scripts.*"])
]
setup(
    packages=[*find_packages(include=["lossacc_tui*"]), *demo],
    package_dir={DEMO: "demo_logs"},
    package_data={"lossacc_tui": ["py.typed", "**/*.tcss"], **{p: ["*"] for p in demo}},
    exclude_package_data={DEMO: ["scripts/*"]},
)
