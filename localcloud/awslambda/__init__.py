"""Lambda: the in-process runtime, durable functions (the testing SDK's service on the clock),
function URLs, the patches that route moto's Lambda there, and the deployer's handlers."""
