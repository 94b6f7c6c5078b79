"""One module per API, named after the API's path prefix; one function per operationId."""
