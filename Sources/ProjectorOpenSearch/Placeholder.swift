// ProjectorOpenSearch
