#!/usr/bin/python3
"""A desktop notification server for tests: owns org.freedesktop.Notifications on the session
bus, answers as the Desktop Notifications Specification says, and appends each Notify call to a
file as one JSON line (id, app_name, summary, body, actions). Shows nothing.

    /usr/bin/python3 tests/desktop/notification-recorder.py LOG

It prints "ready" once the name is owned. A click on a notification is simulated with the signal
a real server sends, e.g. `dbus-send --session --type=signal /org/freedesktop/Notifications
org.freedesktop.Notifications.ActionInvoked uint32:ID string:default`.
(Needs python3-dbus and python3-gi: scripts/prerequisites.sh installs them.)
"""

import json
import sys

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

INTERFACE = "org.freedesktop.Notifications"


class Recorder(dbus.service.Object):
    def __init__(self, bus, log_path):
        super().__init__(bus, "/org/freedesktop/Notifications")
        self.log_path = log_path
        self.next_id = 0

    @dbus.service.method(INTERFACE, in_signature="", out_signature="as")
    def GetCapabilities(self):
        return ["body", "actions"]

    @dbus.service.method(INTERFACE, in_signature="", out_signature="ssss")
    def GetServerInformation(self):
        return ("notification-recorder", "repoconn tests", "1.0", "1.2")

    @dbus.service.method(INTERFACE, in_signature="susssasa{sv}i", out_signature="u")
    def Notify(self, app_name, replaces_id, icon, summary, body, actions, hints, timeout):
        self.next_id += 1
        record = {
            "id": self.next_id,
            "app_name": str(app_name),
            "summary": str(summary),
            "body": str(body),
            "actions": [str(a) for a in actions],
        }
        with open(self.log_path, "a", encoding="utf-8") as log:
            log.write(json.dumps(record) + "\n")
        return self.next_id

    @dbus.service.method(INTERFACE, in_signature="u", out_signature="")
    def CloseNotification(self, notification_id):
        self.NotificationClosed(notification_id, 3)

    @dbus.service.signal(INTERFACE, signature="uu")
    def NotificationClosed(self, notification_id, reason):
        pass


def main():
    DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    name = dbus.service.BusName(INTERFACE, bus, do_not_queue=True)
    recorder = Recorder(bus, sys.argv[1])
    print("ready", flush=True)
    GLib.MainLoop().run()
    del name, recorder


if __name__ == "__main__":
    main()
