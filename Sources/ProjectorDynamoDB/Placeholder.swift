// ProjectorDynamoDB
