"""The state machine, written once: ``asl.build`` makes every definition (all Lambda, a stage
on a SageMaker endpoint, fused) from the stage registry and the error hierarchy. Standard
library only, so the CDK app uses it without ocrflow's runtime dependencies."""
