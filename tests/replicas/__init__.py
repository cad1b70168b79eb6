"""Several `complaintbot serve` processes on one PostgreSQL database (issue 9)."""
