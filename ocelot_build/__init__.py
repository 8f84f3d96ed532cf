"""ocelot: right-sized, reproducible, verified OpenTelemetry Collector Lambda layers."""

__version__ = "0.1.0"
