"""Database plumbing for production: the IAM-token MySQL backend behind RDS Proxy."""
