// ProjectorPostgres
