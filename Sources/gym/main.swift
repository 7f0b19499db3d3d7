import GymCLI

GymCommand.mainEntry()
