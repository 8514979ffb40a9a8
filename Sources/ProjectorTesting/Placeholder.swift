// ProjectorTesting
