"""Channel adapters: each turns platform requests into IncomingMessages and delivers replies."""
