import GymCLI

GymCommand.main()
