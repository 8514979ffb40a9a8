// ProjectorAWS
