"""Auth as API Gateway decides it, per request, before the row or the
handler answers: pure decisions on the gateway's clock."""
