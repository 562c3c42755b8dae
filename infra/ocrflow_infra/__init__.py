"""The ocrflow CDK app: one Construct per component, one Stack wiring them."""
