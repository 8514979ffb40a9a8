// ProjectorRuntime
