console.log("native-binding: deferred")
