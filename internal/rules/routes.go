package rules

// routeLabels are what a route matches pages by.
var routeLabels = []string{"app", "event", "group", "rule", "scene", "severity"}
