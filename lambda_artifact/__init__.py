"""Build and check the AWS Lambda zip: packaging venv, zappa package, native-library check."""
