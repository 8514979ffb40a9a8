import ArgumentParser
import ProjectorCommands

await ProjectorCommand.main()
